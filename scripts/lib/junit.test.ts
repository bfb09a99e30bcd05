import { expect, test } from "bun:test";
import { countJunit } from "./junit.ts";

const xml = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="bun test" tests="5" failures="2" skipped="2">
  <testsuite name="a.test.ts" file="a.test.ts" tests="5">
    <testsuite name="d &gt; x" file="a.test.ts" tests="5">
      <testcase name="passes &lt;c/&gt;" classname="d &gt; x" time="0.1" />
      <testcase name="fails" classname="" time="0.1">
        <failure type="AssertionError" message="Expected: &quot;&lt;y&gt;&quot;">AssertionError</failure>
      </testcase>
      <testcase name="errors" classname="" time="0"><error message="boom" /></testcase>
      <testcase name="skipped" classname="" time="0">
        <skipped />
      </testcase>
      <testcase name="todo" classname="" time="0"><skipped message="TODO" /></testcase>
    </testsuite>
  </testsuite>
</testsuites>`;

test("counts passed, failed (failure or error) and skipped testcases", () => {
  expect(countJunit(xml)).toEqual({ passed: 1, failed: 2, skipped: 2 });
});

test("an empty report counts nothing", () => {
  expect(countJunit('<testsuites name="bun test" tests="0"></testsuites>')).toEqual({
    passed: 0,
    failed: 0,
    skipped: 0,
  });
});
