"""Operating Staffel: backups, upgrades, the deployment files (issue 16)."""
