// Size limits shared by the plugin's UI and its main thread (which does not bundle core).

/** Largest pack the plugin accepts: a base model with full weights is a few MB; 16 MiB is plenty. */
export const PLUGIN_MAX_PACK_BYTES = 16 * 1024 * 1024;
