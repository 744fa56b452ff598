/** The instrumentation scope of every span and metric (checked against package.json by a test). */
export const PACKAGE_NAME = '@memkit/opentelemetry';
/** The package's version, the instrumentation scope version. */
export const PACKAGE_VERSION = '0.1.0';
