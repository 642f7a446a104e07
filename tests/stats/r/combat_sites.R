# Oracle for federated ComBat (issue 17): sva::ComBat(dat, batch = site, mod = model.matrix(~age))
# for several option sets in one R process (loading sva takes seconds).
# Input: batch (1-based site), age, the features. Extra args: one "tag:par.prior:mean.only:ref" per
# case (par.prior, mean.only 1/0; ref "none" or a 1-based site). Output: "<tag>:<feature>" repeated
# once per sample in row order.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressPackageStartupMessages(library(sva))
features <- setdiff(names(dat), c("batch", "age"))
x <- t(as.matrix(dat[, features]))
mod <- model.matrix(~age, data = dat)
for (spec in extra) {
  a <- strsplit(spec, ":")[[1]]
  ref <- if (a[4] == "none") NULL else a[4]
  # sva prints progress on stdout; run_r sends it to a log
  res <- ComBat(x, batch = dat$batch, mod = mod, par.prior = a[2] == "1", mean.only = a[3] == "1", ref.batch = ref)
  for (f in features) emit(paste0(a[1], ":", f), res[f, ])
}
finish()
