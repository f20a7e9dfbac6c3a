"""What every web surface shares: request sessions, protections (CSRF, headers, limits) and the server."""
