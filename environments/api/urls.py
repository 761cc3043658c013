from config.routers import Router
from environments.api.views import EnvironmentViewSet

router = Router()
router.register("environments", EnvironmentViewSet, basename="environment")

urlpatterns = [*router.urls]
