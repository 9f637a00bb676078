"""The keys that sign tokens: the keyring (active key and fallbacks), SimpleJWT's backend over it, the JWK Set."""
