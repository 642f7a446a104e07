# Oracle of `radhpc stats icc`: psych::ICC(subjects x raters, lmer = FALSE) for every numeric
# column except subject and rater. Extra args: subject column, rater column. Emits
# "<feature>_<type>" with three values: ICC, lower bound, upper bound.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(psych))
subject <- extra[1]; rater <- extra[2]
features <- setdiff(names(dat)[vapply(dat, is.numeric, logical(1))], c(subject, rater))
subjects <- unique(dat[[subject]]); raters <- unique(dat[[rater]])
for (f in features) {
  m <- matrix(NA_real_, length(subjects), length(raters))
  m[cbind(match(dat[[subject]], subjects), match(dat[[rater]], raters))] <- dat[[f]]
  res <- ICC(m, lmer = FALSE)$results
  for (i in seq_len(nrow(res)))
    emit(paste0(f, "_", res$type[i]), c(res$ICC[i], res[["lower bound"]][i], res[["upper bound"]][i]))
}
finish()
