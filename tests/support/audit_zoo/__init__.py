"""A zoo of loopback CORS servers, one misconfiguration each, for `crossorigin audit`."""
