from django.urls import path

from .board import board_page, board_state

app_name = "realtime"

urlpatterns = [
    path("", board_page, name="board"),
    path("state/", board_state, name="board-state"),
]
