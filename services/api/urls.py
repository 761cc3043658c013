from config.routers import Router
from services.api.views import ServiceViewSet

router = Router()
router.register("services", ServiceViewSet, basename="service")

urlpatterns = [*router.urls]
