"""The WeChat official account (公众号): the message endpoint, replies, mass send."""
