from django.urls import path

from .board import board_alarms_state, board_page, board_state

app_name = "realtime"

urlpatterns = [
    path("", board_page, name="board"),
    path("state/", board_state, name="board-state"),
    path("alarms/", board_alarms_state, name="board-alarms"),
]
