from django.urls import path

from workspaces import views

app_name = "workspaces"

urlpatterns = [
    path("", views.locations, name="locations"),
    path("book/", views.book, name="book"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("calendar/", views.feed_manage, name="feed_manage"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("locations/<slug:slug>/", views.location, name="location"),
]
