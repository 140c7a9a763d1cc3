"""podgen: move docker-compose projects onto rootless Podman without surprises."""

__version__ = "0.1.0"
