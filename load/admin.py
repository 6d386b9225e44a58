"""The :class:`Admin` persona: one admin in the console now and then."""

from __future__ import annotations

import time

from locust import between, task

from .persona import PLAN, LoadUser

__all__ = ["Admin"]


class Admin(LoadUser):
    """An admin in the console now and then: reads, and a chatflow edit once in a while."""

    fixed_count = 1
    wait_time = between(5, 15)

    def on_start(self) -> None:
        answer = self.client.post(
            "/api/v1/auth/login",
            json={"email": PLAN.cast.admin_email, "password": PLAN.cast.admin_password},
            name="/api/v1/auth/login",
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"} if answer.ok else {}

    @task(5)
    def read_the_inbox(self) -> None:
        self.client.get("/api/v1/conversations/counts", headers=self.headers)
        self.client.get("/api/v1/users", headers=self.headers)

    @task(3)
    def read_the_report(self) -> None:
        self.client.get("/api/v1/reports/chats", headers=self.headers)

    @task(1)
    def edit_a_chatflow(self) -> None:
        chatflow_id = PLAN.cast.chatflow_ids[0]
        self.client.patch(
            f"/api/v1/chatflows/{chatflow_id}/build",
            json={"welcome_message": f"Hi! (edited at {time.strftime('%H:%M:%S')})"},
            headers=self.headers,
            name="/api/v1/chatflows/[id]/build",
        )
