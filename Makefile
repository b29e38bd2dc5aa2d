# The two commands of the README, and a few helpers.
.PHONY: dev test build size bootstrap deploy openapi
dev:        ## install what is missing, build, and run everything locally
	bash scripts/dev.sh
test:       ## install what is missing and run every test
	bash scripts/test.sh
build:      ## build the edge, the widget, the console and the site
	bash scripts/build.sh
size:       ## print the size report of the last build
	bash scripts/size-report.sh
bootstrap:  ## install prerequisites only
	bash scripts/bootstrap.sh
deploy:     ## check what a real deployment needs, then wrangler deploy
	bash scripts/deploy.sh
openapi:    ## regenerate docs/openapi.json's schemas from the Rust types
	cargo run -q -p openline-core --features schema --bin openapi -- --write docs/openapi.json
