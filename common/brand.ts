/** Branded string types: an ID can only be made by its parse/validate function. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };
