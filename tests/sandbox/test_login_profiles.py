"""IAM login profiles in the sandbox behave as on AWS: the reset flag, the password policy."""

from tests.sandbox.aws import aws_error, trainee_session


def test_reset_flag_is_kept_and_a_weak_password_is_refused(sandbox):
    iam = trainee_session(sandbox.account_of("alice")).client("iam")
    iam.create_user(UserName="u")
    refused = aws_error(iam.create_login_profile, UserName="u", Password="short")
    assert refused["Error"]["Code"] == "PasswordPolicyViolation"
    iam.create_login_profile(UserName="u", Password="Long-enough-1", PasswordResetRequired=True)
    assert iam.get_login_profile(UserName="u")["LoginProfile"]["PasswordResetRequired"] is True
    iam.update_account_password_policy(MinimumPasswordLength=30, RequireSymbols=True)
    weak = aws_error(iam.update_login_profile, UserName="u", Password="Long-enough-2")
    assert weak["Error"]["Code"] == "PasswordPolicyViolation"
    iam.update_login_profile(UserName="u", Password="x" * 29 + "!", PasswordResetRequired=False)
    assert iam.get_login_profile(UserName="u")["LoginProfile"]["PasswordResetRequired"] is False
