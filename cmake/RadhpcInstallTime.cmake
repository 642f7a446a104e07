# Runs inside `cmake --install` (install(CODE) of cmake/RadhpcInstall.cmake), where
# CMAKE_INSTALL_PREFIX is the prefix actually installed into (`--prefix` included). Writes the files
# that name that prefix: the SLURM .sbatch templates and the environment-modules file.
# Inputs: RADHPC_VERSION, RADHPC_SBATCH (source templates), RADHPC_MODULEFILE_IN, RADHPC_BINDIR,
# RADHPC_DATADIR, RADHPC_MODULEDIR, RADHPC_PYTHONDIR (relative to the prefix).
get_filename_component(_prefix "${CMAKE_INSTALL_PREFIX}" ABSOLUTE)
set(_root "$ENV{DESTDIR}${_prefix}")

function(_radhpc_write path text)
  message(STATUS "Installing: ${path}")
  file(WRITE "${path}" "${text}")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${path}")
  set(CMAKE_INSTALL_MANIFEST_FILES "${CMAKE_INSTALL_MANIFEST_FILES}" PARENT_SCOPE)
endfunction()

# SLURM templates: the default binary becomes the installed one; RADHPC still overrides it.
set(_binary "${_prefix}/${RADHPC_BINDIR}/radhpc")
foreach(_src ${RADHPC_SBATCH})
  get_filename_component(_name "${_src}" NAME)
  file(READ "${_src}" _text)
  set(_default [=[RADHPC=${RADHPC:-radhpc}]=])
  string(FIND "${_text}" "${_default}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "${_src}: no line '${_default}' to point at ${_binary}")
  endif()
  string(REPLACE "${_default}" "RADHPC=\${RADHPC:-${_binary}}  # installed by radhpc ${RADHPC_VERSION}" _text "${_text}")
  file(MAKE_DIRECTORY "${_root}/${RADHPC_DATADIR}/slurm")
  _radhpc_write("${_root}/${RADHPC_DATADIR}/slurm/${_name}" "${_text}")
  file(CHMOD "${_root}/${RADHPC_DATADIR}/slurm/${_name}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
       GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()

# The modulefile (Tcl; environment-modules 4/5 and Lmod).
set(RADHPC_MODULE_PREFIX "${_prefix}")
file(MAKE_DIRECTORY "${_root}/${RADHPC_MODULEDIR}")
configure_file("${RADHPC_MODULEFILE_IN}" "${_root}/${RADHPC_MODULEDIR}/${RADHPC_VERSION}" @ONLY)
message(STATUS "Installing: ${_root}/${RADHPC_MODULEDIR}/${RADHPC_VERSION}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${_root}/${RADHPC_MODULEDIR}/${RADHPC_VERSION}")
