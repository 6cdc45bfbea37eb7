"""toolkit.augment — named, composable, serializable image transforms."""

__all__: list[str] = []
