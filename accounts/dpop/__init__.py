"""DPoP (RFC 9449): proofs (``proofs``), the replay record of their ``jti`` (``replay``), tokens' binding (``binding``)."""
