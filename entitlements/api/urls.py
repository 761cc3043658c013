from config.routers import Router
from entitlements.api import views

router = Router()
router.register("entitlements", views.EntitlementViewSet, basename="entitlement")

urlpatterns = [*router.urls]
