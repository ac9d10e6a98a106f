import {
  formatSummary,
  readCpuProfile,
  summarizeProfile,
  summarizeProfileByOwner,
} from './cpu-profile-summary';

// usage: node --conditions=source --import tsx packages/bench/src/profile/summarize-cpuprofile.ts FILE.cpuprofile [TOP]
const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: summarize-cpuprofile FILE.cpuprofile [TOP]');
  process.exit(2);
}
const profile = readCpuProfile(file);
console.log('Self time by function:');
console.log(formatSummary(summarizeProfile(profile, Number(top))));
console.log('\nSelf time by owner:');
console.log(formatSummary(summarizeProfileByOwner(profile, Number(top))));
