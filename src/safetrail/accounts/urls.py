from django.urls import path

from safetrail.accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/sign-up/", views.sign_up, name="sign_up"),
    path("account/sign-in/", views.sign_in, name="sign_in"),
    path("account/sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("account/sign-out/", views.sign_out, name="sign_out"),
    path("account/recover/", views.recover, name="recover"),
    path("account/", views.home, name="home"),
    path("account/recovery-code/", views.recovery_code_confirm, name="recovery_code_confirm"),
    path("account/recovery-code/new/", views.recovery_code_new, name="recovery_code_new"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/delete/", views.delete_account, name="delete"),
    path("account/devices/", views.sessions, name="sessions"),
    path("account/devices/sign-out-others/", views.sessions_end_others, name="sessions_end_others"),
    path("account/devices/<uuid:session_id>/sign-out/", views.session_end, name="session_end"),
    path("account/history/", views.history, name="history"),
    path("account/status/", views.session_status, name="session_status"),
    path("account/keep-alive/", views.keep_alive, name="keep_alive"),
    path("account/two-step/", views.two_step_setup, name="two_step_setup"),
    path("account/two-step/turn-off/", views.two_step_disable, name="two_step_disable"),
    path("account/two-step/backup-codes/", views.backup_codes, name="backup_codes"),
    path("organisation/", views.organisation, name="organisation"),
    path(
        "organisation/invitations/<uuid:invitation_id>/cancel/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("organisation/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("join/<str:token>/", views.join, name="join"),
]
