# Oracle: psych::ICC(x, lmer = FALSE), all six forms. Input: r1..rk (subjects x raters).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(psych))
res <- ICC(as.matrix(dat), lmer = FALSE)$results
emit("icc", res$ICC); emit("f", res$F); emit("df1", res$df1); emit("df2", res$df2); emit("p", res$p)
emit("lower", res[["lower bound"]]); emit("upper", res[["upper bound"]])
finish()
