from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("counter", views.counter),
    path("view", views.view),
    path("untouched", views.untouched),
    path("login", views.login_view),
    path("logout", views.logout_view),
    path("whoami", views.whoami),
    path("cycle", views.cycle),
    path("expiry", views.expiry),
    path("message", views.message),
    path("messages", views.read_messages),
    path("csrf", views.csrf_token),
    path("protected", views.protected),
    path("nested", views.nested),
    path("preview", views.preview),
]
