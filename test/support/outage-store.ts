import type { Store } from "../../src/store/store.js";

/** What a PostgreSQL restart looks like to a caller: a transient error (SQLSTATE 57P01). */
export function outageError(): Error {
  return Object.assign(new Error("terminating connection due to administrator command"), {
    code: "57P01",
  });
}

/**
 * A real store with a switch: while `down`, every call fails with {@link outageError} before it
 * reaches the database (an outage as this node sees it); `close()` always goes through.
 */
export function outageSwitch(store: Store): { store: Store; down: boolean } {
  const state = { down: false, store };
  state.store = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property === "close") return value.bind(target);
      return (...args: unknown[]) => {
        if (state.down) return Promise.reject(outageError());
        return value.apply(target, args);
      };
    },
  });
  return state;
}
