export type PageRequest = { readonly page: number; readonly size: number };

export type Page<T> = {
  readonly items: readonly T[];
  readonly page: number;
  readonly size: number;
  readonly total: number;
};

export const defaultPageSize = 20;
export const maxPageSize = 100;

export function pageOffset(req: PageRequest): number {
  return (req.page - 1) * req.size;
}

export function mapPage<T, U>(page: Page<T>, fn: (t: T) => U): Page<U> {
  return { ...page, items: page.items.map(fn) };
}
