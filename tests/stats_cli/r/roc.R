# Oracle of `radhpc stats roc`: pROC ci.auc(method = "delong") and wilcox.test(cases, controls).
# Extra args: score column, outcome column, direction ("<", ">" or "auto").
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(pROC))
s <- dat[[extra[1]]]; y <- dat[[extra[2]]]
r <- roc(y, s, levels = c(0, 1), direction = extra[3], quiet = TRUE)
ci <- ci.auc(r, method = "delong", conf.level = 0.95)
emit("auc", ci[2]); emit("lower", ci[1]); emit("upper", ci[3])
emit("direction", if (r$direction == "<") 0 else 1)
emit("n", length(r$cases) + length(r$controls))
w <- suppressWarnings(wilcox.test(s[y == 1], s[y == 0]))
emit("w", w$statistic); emit("p", w$p.value)
finish()
