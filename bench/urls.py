"""The product's URLs plus the benchmark's floor; used only when BENCH_FLOOR=1 (config/settings.py)."""

from django.urls import path

from bench.floor import floor_tickets
from config.urls import handler404, handler500
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/floor/tickets", floor_tickets, name="bench-floor"), *product_urlpatterns]

__all__ = ["handler404", "handler500", "urlpatterns"]
