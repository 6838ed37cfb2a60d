/** Schema names authsync accepts: a plain lowercase identifier, never quoted or escaped. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
