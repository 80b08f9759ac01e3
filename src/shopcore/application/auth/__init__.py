"""Login by mobile OTP, then JWT access tokens with rotating refresh tokens."""
