"""moto's repeated lookups, done once: the answers a request gets do not change."""

import moto.backends

from standin import moto_speed
from tests.sandbox.aws import aws_error, trainee_session


def test_eks_still_validates_the_role_arn_partition(sandbox):
    eks = trainee_session(sandbox.account_of("alice")).client("eks")
    vpc = {"subnetIds": ["subnet-1", "subnet-2"]}
    role = f"arn:aws:iam::{sandbox.account_of('alice')}:role/eks"
    assert eks.create_cluster(name="ok", roleArn=role, resourcesVpcConfig=vpc)["cluster"]
    error = aws_error(
        eks.create_cluster,
        name="bad",
        roleArn=role.replace("aws", "nowhere", 1),
        resourcesVpcConfig=vpc,
    )
    assert error["Error"]["Code"] == "InvalidParameterException"
    assert "Invalid Role Arn" in error["Error"]["Message"]


def test_the_module_list_is_read_once_and_still_names_the_services(sandbox):
    assert moto_speed._applied
    modules = moto.backends.list_of_moto_modules()
    assert modules is moto.backends.list_of_moto_modules()  # the same tuple, not a new scan
    assert {"iam", "s3", "eks", "sts", "codecommit", "cloudformation"} <= set(modules)


def test_templates_parse_on_libyaml_with_short_form_tags_and_json(sandbox):
    import moto.cloudformation.models as models

    parse = models.Stack.parse_template
    yaml_template = (
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
        "    Properties:\n      QueueName: !Sub '${Trainee}-q'\n"
        "Outputs:\n  Name:\n    Value: !GetAtt Queue.QueueName\n"
    )
    parsed = parse(yaml_template)
    assert parsed["Resources"]["Queue"]["Properties"]["QueueName"] == {"Fn::Sub": "${Trainee}-q"}
    assert parsed["Outputs"]["Name"]["Value"] == {"Fn::GetAtt": ["Queue", "QueueName"]}
    assert parse('{"Resources": {}}') == {"Resources": {}}


def test_error_answers_come_from_one_error_table_per_service(sandbox):
    import moto.core.errors

    assert moto.core.errors.ErrorLookupFactory() is moto.core.errors.ErrorLookupFactory()
    iam = trainee_session(sandbox.account_of("alice")).client("iam")
    for _ in range(2):  # the second answer comes from the kept table
        error = aws_error(iam.get_user, UserName="nobody-here")
        assert error["Error"]["Code"] == "NoSuchEntity"
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_services_regions_are_worked_out_once_for_every_account(sandbox, monkeypatch):
    from moto.core.base_backend import AccountSpecificBackend
    from moto.iam.models import IAMBackend

    botocore_session = AccountSpecificBackend.get_session()
    asked = []
    listing = botocore_session.get_available_regions
    monkeypatch.setattr(
        botocore_session,
        "get_available_regions",
        lambda *a, **k: asked.append(a) or listing(*a, **k),
    )

    def regions(account):
        return AccountSpecificBackend("kafka", account, IAMBackend, True, None).regions

    first = regions("111111111111")
    asked_for_first = len(asked)
    second = regions("222222222222")
    assert asked_for_first and len(asked) == asked_for_first  # not again for the second
    assert first == second and "us-east-1" in first and "eu-west-3" in first
    assert first is not second  # each account may extend its own list


def test_an_accounts_backend_is_found_without_the_global_lock_and_made_with_it(sandbox):
    from moto.core import base_backend
    from moto.sqs.models import sqs_backends

    account = sandbox.account_of("alice")
    sqs_backends[account]  # made (with the lock) if it was not there
    with base_backend.backend_lock:  # another thread holding moto's lock...
        import threading

        found = []
        reader = threading.Thread(target=lambda: found.append(sqs_backends[account]))
        reader.start()
        reader.join(timeout=5)
        assert found and found[0] is sqs_backends[account]  # ...does not hold this lookup up
    fresh = sqs_backends["123456789012"]  # a new account is still made on first use
    assert (
        fresh is sqs_backends["123456789012"]
        and sqs_backends in base_backend.BackendDict._instances
    )


def test_the_service_applications_exist_before_the_first_request(sandbox):
    app = sandbox._moto._server.app
    assert set(moto_speed.WARM_SERVICES + moto_speed.TEMPLATE_SERVICES) <= set(app.app_instances)
