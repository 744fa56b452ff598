/**
 * The memcached version memkit-server imitates, as the `version` command and
 * `stats` report it. (`memkit-server --version` prints the package's own
 * version, and this one beside it.)
 */

/** The memcached release whose protocol and behaviour memkit-server mirrors. */
export const MEMCACHED_VERSION = '1.6.18';

/** What the `version` command and `stats` answer: the mirrored release, marked as memkit's. */
export const SERVER_VERSION = `${MEMCACHED_VERSION}-memkit`;
