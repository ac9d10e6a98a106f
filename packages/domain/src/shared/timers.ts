// The domain compiles without DOM or Node typings, yet both runtimes (and the mini program) have setTimeout.
declare function setTimeout(callback: () => void, ms: number): unknown;

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });
