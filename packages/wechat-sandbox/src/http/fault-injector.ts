import type { FaultSettings } from '../sandbox.types';
import { seededRandom } from '../support/seeded-random';
import { SandboxInputError, SETTING_BOUNDS } from '../wechat-errors';

export const NO_FAULTS: Readonly<FaultSettings> = {
  latencyMs: 0,
  jitterMs: 0,
  busyRate: 0,
  http5xxRate: 0,
  resetRate: 0,
  truncatedJsonRate: 0,
};

const RATE_KEYS = ['busyRate', 'http5xxRate', 'resetRate', 'truncatedJsonRate'] as const;
const DURATION_KEYS = ['latencyMs', 'jitterMs'] as const;

/** Checks a partial fault setting; throws SandboxInputError naming the first bad field. */
export function validateFaultSettings(update: Record<string, unknown>): Partial<FaultSettings> {
  const checked: Partial<FaultSettings> = {};
  for (const [key, value] of Object.entries(update)) {
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        throw new SandboxInputError(`${key} must be a number from 0 to 1`);
      }
    } else if ((DURATION_KEYS as readonly string[]).includes(key)) {
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        value < 0 ||
        value > SETTING_BOUNDS.maxDelayMs
      ) {
        throw new SandboxInputError(
          `${key} must be a number of milliseconds from 0 to ${SETTING_BOUNDS.maxDelayMs}`,
        );
      }
    } else {
      throw new SandboxInputError(`unknown fault setting: ${key}`);
    }
    checked[key as keyof FaultSettings] = value;
  }
  return checked;
}

export type FaultAction = 'reset' | 'http5xx' | 'busy' | null;

export interface FaultRoll {
  readonly delayMs: number;
  /** Replaces the answer. */
  readonly action: FaultAction;
  /** Cut the real answer short. */
  readonly truncate: boolean;
}

/** Rolls the dice for each WeChat call; always five draws per call, so a seed replays exactly. */
export class FaultInjector {
  private settings: FaultSettings;
  private readonly random: () => number;

  constructor(initial: Partial<FaultSettings>, seed: number) {
    this.settings = { ...NO_FAULTS, ...validateFaultSettings(initial) };
    this.random = seededRandom(seed);
  }

  current(): FaultSettings {
    return { ...this.settings };
  }

  update(update: Partial<FaultSettings>): void {
    this.settings = { ...this.settings, ...validateFaultSettings(update) };
  }

  roll(): FaultRoll {
    const s = this.settings;
    const [jitter, reset, http5xx, busy, truncate] = [1, 2, 3, 4, 5].map(() => this.random()) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const action: FaultAction =
      reset < s.resetRate ? 'reset' : http5xx < s.http5xxRate ? 'http5xx' : busy < s.busyRate ? 'busy' : null;
    return {
      delayMs: s.latencyMs + Math.floor(jitter * s.jitterMs),
      action,
      truncate: action === null && truncate < s.truncatedJsonRate,
    };
  }
}
