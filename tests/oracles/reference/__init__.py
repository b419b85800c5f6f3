"""A deliberately simple second opinion on every server-side CORS decision."""
