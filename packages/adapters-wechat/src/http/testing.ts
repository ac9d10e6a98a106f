/**
 * undici's mocking tools for tests of code built on WeChatApiClient. Only src/http may import undici (a
 * boundary check), so tests elsewhere take MockAgent and undici's error classes from here.
 */
export { errors as undiciErrors, type Interceptable, MockAgent } from 'undici';
