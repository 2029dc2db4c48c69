"""Real-shaped AWS material for the product and the stand-in, each piece with its source.

Session ids, a worker's argv, a DescribeSessions answer and CloudTrail records, copied from
AWS's documentation and the SSM agent's source, with only account ids, names and times changed
where a test needs its own (each change said beside it).
"""

from __future__ import annotations

import copy

# -- SSM session ids ------------------------------------------------------------------------
# botocore ssm 2014-11-06 service-2.json, shape SessionId: {"type": "string", "min": 1, "max": 96}.
SESSION_ID_MAX = 96
# The SSM API Reference's DescribeSessions example (and the old user-guide pages): hex suffix.
OLD_HEX_SESSION_ID = "John-07a16060613c408b5"
# Today's form, as the operators saw them in `ps` and in DescribeSessions: the owner's
# name and a 26-character lowercase base-36 suffix.
BASE36_SESSION_IDS = (
    "root-ekp6rf9qs5arzcjxsndyvboavi",
    "bill.birch-zug428quy3zgju4icxql2oyeuq",
)
# A UUID-prefixed id (a session started on behalf of a principal whose session name is a UUID,
# e.g. a console role session): the prefix has dashes of its own.
UUID_PREFIXED_SESSION_ID = "0f8fad5b-d9cb-469f-a165-70867728950e-wz2x6bm0ce3pusbwa87x2ky3gq"
NOT_SESSION_IDS = (
    "i-0123456789abcdef0",  # an instance id: the older argv's third element
    "ekp6rf9qs5arzcjxsndyvboavi",  # a suffix with no owner
    "ann-" + "g" * 25,  # 25 base-36 characters, not hex: neither form
    "x" * 70 + "-ekp6rf9qs5arzcjxsndyvboavi",  # 97 characters: over botocore's max
)

# -- the session worker's argv ----------------------------------------------------------------
# amazon-ssm-agent (commit 1c217c89b42d), agent/framework/processor/executer/outofproc/master.go:
#   processCreator(workerName, []string{documentID})  with workerName = DefaultSessionWorker,
# agent/appconfig/constants_unix.go: DefaultSessionWorker = defaultWorkerPath + "ssm-session-worker"
# (/usr/bin/ on Amazon Linux's package). Agents from commit 30356932 (2019-01-22) to fab30b28
# (2021-08-30) passed proc.FormArgv(documentID, instanceID): three; parseArgv still takes them.
WORKER_PATH = "/usr/bin/ssm-session-worker"
WORKER_ARGV = [WORKER_PATH, "root-ekp6rf9qs5arzcjxsndyvboavi"]
OLD_WORKER_ARGV = [WORKER_PATH, "John-07a16060613c408b5", "i-0123456789abcdef0"]

# -- DescribeSessions --------------------------------------------------------------------------
# Shape: botocore ssm DescribeSessionsResponse {Sessions: [Session], NextToken}; Session members
# SessionId, Target, Status, StartDate, EndDate, DocumentName, Owner, Reason, Details,
# OutputUrl, MaxSessionDuration, AccessType (botocore has no example for it; values are ours,
# in today's id form, with an IAM user as Owner).
DESCRIBE_SESSIONS = {
    "Sessions": [
        {
            "SessionId": "John-ekp6rf9qs5arzcjxsndyvboavi",
            "Target": "i-1234567890abcdef0",
            "Status": "Connected",
            "StartDate": 1550676938.352,
            "Owner": "arn:aws:iam::123456789012:user/John",
            "OutputUrl": {},
        }
    ]
}

# -- CloudTrail ----------------------------------------------------------------------------------
# IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail", "Example IAM API event
# in CloudTrail log file" (awsdocs/iam-user-guide page cloudtrail-integration, 651083f):
# no "resources" in an IAM record.
IAM_GET_USER_POLICY = {
    "eventVersion": "1.05",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "AIDACKCEVSQ6C2EXAMPLE",
        "arn": "arn:aws:iam::444455556666:user/JaneDoe",
        "accountId": "444455556666",
        "accessKeyId": "AKIAI44QH8DHBEXAMPLE",
        "userName": "JaneDoe",
        "sessionContext": {
            "attributes": {"mfaAuthenticated": "false", "creationDate": "2014-07-15T21:39:40Z"}
        },
        "invokedBy": "signin.amazonaws.com",
    },
    "eventTime": "2014-07-15T21:40:14Z",
    "eventSource": "iam.amazonaws.com",
    "eventName": "GetUserPolicy",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "signin.amazonaws.com",
    "userAgent": "signin.amazonaws.com",
    "requestParameters": {
        "userName": "JaneDoe",
        "policyName": "ReadOnlyAccess-JaneDoe-201407151307",
    },
    "responseElements": None,
    "requestID": "9EXAMPLE-0c68-11e4-a24e-d5e16EXAMPLE",
    "eventID": "cEXAMPLE-127e-4632-980d-505a4EXAMPLE",
}

# Same page, "Example cross-account AWS STS API events in CloudTrail log files": JohnDoe in
# 777788889999 assumes EC2-dev in 111122223333 with SourceIdentity JohnDoe. The caller's copy
# (the page prints "recipientAccountId": "111122223333" on it too; the caller's account receives
# it, so 777788889999 here), then the role account's copy.
ASSUME_ROLE_CALLER_COPY = {
    "eventVersion": "1.05",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "AIDAQRSTUVWXYZEXAMPLE",
        "arn": "arn:aws:iam::777788889999:user/JohnDoe",
        "accountId": "777788889999",
        "accessKeyId": "AKIAQRSTUVWXYZEXAMPLE",
        "userName": "JohnDoe",
    },
    "eventTime": "2014-07-18T15:07:39Z",
    "eventSource": "sts.amazonaws.com",
    "eventName": "AssumeRole",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "192.0.2.101",
    "userAgent": "aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 "
    "botocore/1.4.67",
    "requestParameters": {
        "roleArn": "arn:aws:iam::111122223333:role/EC2-dev",
        "roleSessionName": "JohnDoe-EC2-dev",
        "sourceIdentity": "JohnDoe",
        "serialNumber": "arn:aws:iam::777788889999:mfa",
    },
    "responseElements": {
        "credentials": {
            "sessionToken": "<encoded session token blob>",
            "accessKeyId": "AKIAQRSTUVWXYZEXAMPLE",
            "expiration": "Jul 18, 2023, 4:07:39 PM",
        },
        "assumedRoleUser": {
            "assumedRoleId": "AIDAQRSTUVWXYZEXAMPLE:JohnDoe-EC2-dev",
            "arn": "arn:aws:sts::111122223333:assumed-role/EC2-dev/JohnDoe-EC2-dev",
        },
        "sourceIdentity": "JohnDoe",
    },
    "resources": [
        {
            "ARN": "arn:aws:iam::111122223333:role/EC2-dev",
            "accountId": "111122223333",
            "type": "AWS::IAM::Role",
        }
    ],
    "requestID": "4EXAMPLE-0e8d-11e4-96e4-e55c0EXAMPLE",
    "sharedEventID": "bEXAMPLE-efea-4a70-b951-19a88EXAMPLE",
    "eventID": "dEXAMPLE-ac7f-466c-a608-4ac8dEXAMPLE",
    "eventType": "AwsApiCall",
    "recipientAccountId": "777788889999",
}
ASSUME_ROLE_ROLE_ACCOUNT_COPY = {
    "eventVersion": "1.05",
    "userIdentity": {
        "type": "AWSAccount",
        "principalId": "AIDAQRSTUVWXYZEXAMPLE",
        "accountId": "777788889999",
    },
    "eventTime": "2014-07-18T15:07:39Z",
    "eventSource": "sts.amazonaws.com",
    "eventName": "AssumeRole",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "192.0.2.101",
    "userAgent": "aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 "
    "botocore/1.4.67",
    "requestParameters": copy.deepcopy(ASSUME_ROLE_CALLER_COPY["requestParameters"]),
    "responseElements": copy.deepcopy(ASSUME_ROLE_CALLER_COPY["responseElements"]),
    "requestID": "4EXAMPLE-0e8d-11e4-96e4-e55c0EXAMPLE",
    "sharedEventID": "bEXAMPLE-efea-4a70-b951-19a88EXAMPLE",
    "eventID": "dEXAMPLE-ac7f-466c-a608-4ac8dEXAMPLE",
}

# CloudTrail User Guide, "CloudTrail userIdentity element", "userIdentity with temporary
# security credentials" (page cloudtrail-event-reference-user-identity, c7adfd8):
# a later call made with the role session's key. sourceIdentity sits in sessionContext (same
# page, "AWS STS source identity").
ASSUMED_ROLE_IDENTITY = {
    "type": "AssumedRole",
    "principalId": "AROAIDPPEZS35WEXAMPLE:AssumedRoleSessionName",
    "arn": "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName",
    "accountId": "123456789012",
    "accessKeyId": "",
    "sessionContext": {
        "sessionIssuer": {
            "type": "Role",
            "principalId": "AROAIDPPEZS35WEXAMPLE",
            "arn": "arn:aws:iam::123456789012:role/RoleToBeAssumed",
            "accountId": "123456789012",
            "userName": "RoleToBeAssumed",
        },
        "attributes": {"mfaAuthenticated": "false", "creationDate": "20131102T010628Z"},
    },
}


def required_keys(record: dict) -> set[str]:
    """The top-level fields of a sample, less those "CloudTrail record contents" marks
    optional that the stand-in leaves out (sourceIPAddress, userAgent: not emulated)."""
    return set(record) - {"sourceIPAddress", "userAgent", "responseElements"}


# IAM User Guide, "Logging IAM and AWS STS API calls with AWS CloudTrail", "Example SAML AWS STS
# API event in CloudTrail log file" (awsdocs/iam-user-guide, page cloudtrail-integration
# at 651083f). Copied as printed but for one fix: the page leaves out the comma after
# responseElements' "sourceIdentity" (not JSON as printed).
ASSUME_ROLE_WITH_SAML = {
    "eventVersion": "1.05",
    "userIdentity": {
        "type": "SAMLUser",
        "principalId": "SampleUkh1i4+ExamplexL/jEvs=:SamlExample",
        "userName": "SamlExample",
        "identityProvider": "bdGOnTesti4+ExamplexL/jEvs=",
    },
    "eventTime": "2019-11-01T19:14:36Z",
    "eventSource": "sts.amazonaws.com",
    "eventName": "AssumeRoleWithSAML",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "192.0.2.101",
    "userAgent": "aws-cli/1.16.263 Python/3.4.7 "
    "Linux/4.9.184-0.1.ac.235.83.329.metal1.x86_64 botocore/1.12.253",
    "requestParameters": {
        "sAMLAssertionID": "_c0046cEXAMPLEb9d4b8eEXAMPLE2619aEXAMPLE",
        "roleSessionName": "MyAssignedRoleSessionName",
        "sourceIdentity": "MySAMLUser",
        "principalTags": {
            "CostCenter": "987654",
            "Project": "Unicorn",
            "Department": "Engineering",
        },
        "transitiveTagKeys": ["CostCenter", "Project"],
        "durationSeconds": 3600,
        "roleArn": "arn:aws:iam::444455556666:role/SAMLTestRoleShibboleth",
        "principalArn": "arn:aws:iam::444455556666:saml-provider/Shibboleth",
    },
    "responseElements": {
        "subjectType": "transient",
        "issuer": "https://server.example.com/idp/shibboleth",
        "sourceIdentity": "MySAMLUser",
        "credentials": {
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "expiration": "Mar 23, 2016, 2:39:57 AM",
            "sessionToken": "<encoded session token blob>",
        },
        "nameQualifier": "bdGOnTesti4+ExamplexL/jEvs=",
        "assumedRoleUser": {
            "assumedRoleId": "AROAD35QRSTUVWEXAMPLE:MyAssignedRoleSessionName",
            "arn": "arn:aws:sts::444455556666:assumed-role/SAMLTestRoleShibboleth/"
            "MyAssignedRoleSessionName",
        },
        "subject": "SamlExample",
        "audience": "https://signin.aws.amazon.com/saml",
    },
    "resources": [
        {
            "ARN": "arn:aws:iam::444455556666:role/SAMLTestRoleShibboleth",
            "accountId": "444455556666",
            "type": "AWS::IAM::Role",
        },
        {
            "ARN": "arn:aws:iam::444455556666:saml-provider/test-saml-provider",
            "accountId": "444455556666",
            "type": "AWS::IAM::SAMLProvider",
        },
    ],
    "requestID": "6EXAMPLE-e595-11e5-b2c7-c974fEXAMPLE",
    "eventID": "dEXAMPLE-265a-41e0-9352-4401bEXAMPLE",
    "eventType": "AwsApiCall",
    "recipientAccountId": "444455556666",
}

# Same page, "Example web identity AWS STS API event in CloudTrail log file". Two fixes: the page
# leaves out the comma after requestParameters' "roleSessionName", and has a trailing comma.
ASSUME_ROLE_WITH_WEB_IDENTITY = {
    "eventVersion": "1.05",
    "userIdentity": {
        "type": "WebIdentityUser",
        "principalId": "accounts.google.com:<id-of-application>.apps.googleusercontent.com:"
        "<id-of-user>",
        "userName": "<id of user>",
        "identityProvider": "accounts.google.com",
    },
    "eventTime": "2016-03-23T01:39:51Z",
    "eventSource": "sts.amazonaws.com",
    "eventName": "AssumeRoleWithWebIdentity",
    "awsRegion": "us-east-2",
    "sourceIPAddress": "192.0.2.101",
    "userAgent": "aws-cli/1.3.23 Python/2.7.6 Linux/2.6.18-164.el5",
    "requestParameters": {
        "sourceIdentity": "MyWebIdentityUser",
        "durationSeconds": 3600,
        "roleArn": "arn:aws:iam::444455556666:role/FederatedWebIdentityRole",
        "roleSessionName": "MyAssignedRoleSessionName",
        "principalTags": {"CostCenter": "24680", "Project": "Pegasus"},
        "transitiveTagKeys": ["CostCenter", "Project"],
    },
    "responseElements": {
        "provider": "accounts.google.com",
        "subjectFromWebIdentityToken": "<id of user>",
        "sourceIdentity": "MyWebIdentityUser",
        "audience": "<id of application>.apps.googleusercontent.com",
        "credentials": {
            "accessKeyId": "ASIACQRSTUVWRAOEXAMPLE",
            "expiration": "Mar 23, 2016, 2:39:51 AM",
            "sessionToken": "<encoded session token blob>",
        },
        "assumedRoleUser": {
            "assumedRoleId": "AROACQRSTUVWRAOEXAMPLE:MyAssignedRoleSessionName",
            "arn": "arn:aws:sts::444455556666:assumed-role/FederatedWebIdentityRole/"
            "MyAssignedRoleSessionName",
        },
    },
    "resources": [
        {
            "ARN": "arn:aws:iam::444455556666:role/FederatedWebIdentityRole",
            "accountId": "444455556666",
            "type": "AWS::IAM::Role",
        }
    ],
    "requestID": "6EXAMPLE-e595-11e5-b2c7-c974fEXAMPLE",
    "eventID": "bEXAMPLE-0b30-4246-b28c-e3da3EXAMPLE",
    "eventType": "AwsApiCall",
    "recipientAccountId": "444455556666",
}
