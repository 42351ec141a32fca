"""The plan's pages: the person's under /my/plan/, the worker's under a trajectory."""

from django.urls import path

from estafette.personal_plan import views

app_name = "personal_plan"

urlpatterns = [
    path("my/plan/", views.mine, name="mine"),
    path("my/plan/words/", views.words_save, name="words"),
    path("my/plan/steps/", views.step_add, name="step-add"),
    # The step's number travels in the form, not the address: a person's page has no
    # number of a record in its address to guess (and none to leave in a shared browser).
    path("my/plan/tick/", views.step_tick, name="step-tick"),
    path("my/plan/answer/", views.answer_save, name="answer"),
    path("trajectories/<int:pk>/plan/", views.trajectory_plan, name="trajectory"),
    path(
        "trajectories/<int:pk>/plan/propose/",
        views.trajectory_plan_propose,
        name="propose",
    ),
    path("trajectories/<int:pk>/plan/done/", views.trajectory_plan_step_done, name="step-done"),
]
