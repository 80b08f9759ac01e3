"""OTP delivery gateways: 2Factor.in and the development console."""
