"""toolkit.models — see docs/architecture.md for what this layer owns."""

__all__: list[str] = []
