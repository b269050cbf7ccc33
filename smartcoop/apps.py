from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SmartcoopConfig(AppConfig):
    name = "smartcoop"
    verbose_name = "smartcoop"


class CoopAdminConfig(AdminConfig):
    default_site = "smartcoop.admin_site.CoopAdminSite"
