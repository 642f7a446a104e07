# Shared helpers for the stats_cli oracles: read the CSV the test wrote (the same file radhpc
# reads), write long-format "name,value" (repeated names form vectors in order).
args <- commandArgs(trailingOnly = TRUE)
input_path <- args[1]
output_path <- args[2]
extra <- args[-(1:2)]
dat <- read.csv(input_path, stringsAsFactors = FALSE)
out_names <- character(0)
out_values <- numeric(0)
emit <- function(name, values) {
  values <- as.numeric(values)
  out_names <<- c(out_names, rep(name, length(values)))
  out_values <<- c(out_values, values)
}
finish <- function() {
  con <- file(output_path, "w")
  writeLines("name,value", con)
  writeLines(sprintf("%s,%s", out_names, sprintf("%.17g", out_values)), con)
  close(con)
}
