/**
 * The version string memkit-server reports (`version`, `stats`, `--version`):
 * the memcached release whose behaviour it mirrors, and what it really is.
 */

/** What `version` answers. */
export const SERVER_VERSION = '1.6.18-memkit';
