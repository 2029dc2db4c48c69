"""moto's repeated lookups, done once: the answers a request gets do not change."""

import moto.backends

from console.sandbox import moto_speed
from tests.sandbox.aws import aws_error, trainee_session


def test_eks_still_validates_the_role_arn_partition(sandbox):
    eks = trainee_session(sandbox.account_of("alice")).client("eks")
    vpc = {"subnetIds": ["subnet-1", "subnet-2"]}
    role = f"arn:aws:iam::{sandbox.account_of('alice')}:role/eks"
    assert eks.create_cluster(name="ok", roleArn=role, resourcesVpcConfig=vpc)["cluster"]
    error = aws_error(eks.create_cluster, name="bad", roleArn=role.replace("aws", "nowhere", 1),
                      resourcesVpcConfig=vpc)
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
    yaml_template = ("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
                     "    Properties:\n      QueueName: !Sub '${Trainee}-q'\n"
                     "Outputs:\n  Name:\n    Value: !GetAtt Queue.QueueName\n")
    parsed = parse(yaml_template)
    assert parsed["Resources"]["Queue"]["Properties"]["QueueName"] == {"Fn::Sub": "${Trainee}-q"}
    assert parsed["Outputs"]["Name"]["Value"] == {"Fn::GetAtt": ["Queue", "QueueName"]}
    assert parse('{"Resources": {}}') == {"Resources": {}}
