import { envConfigOf } from './config/env.config';

App({
  onLaunch() {
    // Say which gateway this build talks to: the first thing to check when nothing answers.
    const config = envConfigOf(wx);
    console.info(`[FaceGate] ${config.envVersion} -> ${config.gatewayUrl}`);
  },
});
