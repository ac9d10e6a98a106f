/** Time comes from here, never from Date.now(), so rules and expiry are testable. */
export interface Clock {
  now(): Date;
}
