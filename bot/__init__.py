"""idesluss: a municipality's idea sluice in Slack, Microsoft Teams and a local shell."""
