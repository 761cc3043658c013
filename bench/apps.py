from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark: its scale loader is a management command (load_scale_data); no models."""

    name = "bench"
