# Paired tests per feature as radhpc longitudinal computes them: wilcox.test(after, before,
# paired = TRUE) and t.test(after, before, paired = TRUE) with R's defaults, then p.adjust("BH")
# over the features. Input: long CSV feature,before,after. Output: long-format name,value.
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
out <- list()
put <- function(name, v) out[[length(out) + 1]] <<- data.frame(name = name, value = as.numeric(v))
features <- unique(d$feature)
pw <- c(); pt <- c()
for (f in features) {
  x <- d[d$feature == f, ]
  w <- suppressWarnings(wilcox.test(x$after, x$before, paired = TRUE))
  t <- t.test(x$after, x$before, paired = TRUE)
  put(paste0(f, ".v"), w$statistic); put(paste0(f, ".wp"), w$p.value)
  put(paste0(f, ".t"), t$statistic); put(paste0(f, ".df"), t$parameter); put(paste0(f, ".tp"), t$p.value)
  pw <- c(pw, w$p.value); pt <- c(pt, t$p.value)
}
bw <- p.adjust(pw, "BH"); bt <- p.adjust(pt, "BH")
for (i in seq_along(features)) { put(paste0(features[i], ".wbh"), bw[i]); put(paste0(features[i], ".tbh"), bt[i]) }
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
