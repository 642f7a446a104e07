# `cmake --install build [--prefix P]` (issue 19). Included at the end of the top-level CMakeLists.txt.
#   P/bin/radhpc
#   P/include/radhpc/**                                    every public header
#   P/lib/libradhpc_<layer>.a + P/lib/cmake/radhpc/        find_package(radhpc) -> radhpc::<layer>
#   P/lib/python3/dist-packages/radhpc/                    the Python package (+ _core*.so when built)
#   P/share/radhpc/{schemas,slurm,jobs}/                   schemas, SLURM templates, example jobs
#   P/share/modulefiles/radhpc/<version>                   environment-modules / Lmod file
# The modulefile and the SLURM templates name the prefix, which `--prefix` may change after
# configuring: both are written at install time (cmake/RadhpcInstallTime.cmake), not configure time.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(RADHPC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/radhpc)
set(RADHPC_INSTALL_DATADIR ${CMAKE_INSTALL_DATADIR}/radhpc)
# Debian's layout for Python packages is lib/python3/dist-packages (not multiarch, not per version).
set(RADHPC_INSTALL_PYTHONDIR lib/python3/dist-packages CACHE STRING
    "Python package directory, relative to the install prefix (Debian layout)")

# --- the program and the headers ------------------------------------------------------------
install(TARGETS radhpc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/radhpc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")

# --- the libraries a C++ user links: radhpc::<layer> ----------------------------------------
# core, features, stats, filters need Eigen3 + TBB only. preprocess, io, pipeline (the readers,
# the job files, one lesion's extraction) also need ITK, yaml-cpp, DCMTK, OpenJPEG, libdeflate,
# zlib and nlohmann_json at link time (static libraries carry their private dependencies as
# $<LINK_ONLY:...>); radhpcConfig.cmake finds them all. store, analysis, engine, report, commands
# (parallel HDF5, MPI, spdlog: the batch machinery) are not exported.
set(RADHPC_EXPORTED_LAYERS core features stats filters preprocess io pipeline)
set(_radhpc_exported)
foreach(_layer ${RADHPC_EXPORTED_LAYERS})
  set_target_properties(radhpc_${_layer} PROPERTIES EXPORT_NAME ${_layer})
  list(APPEND _radhpc_exported radhpc_${_layer})
endforeach()
install(TARGETS ${_radhpc_exported} EXPORT radhpcTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT radhpcTargets NAMESPACE radhpc:: DESTINATION ${RADHPC_INSTALL_CMAKEDIR})

# The ITK modules the build asked for (top-level find_package(ITK ... COMPONENTS ...)): the same
# imported targets (ITKCommon, ITKIONRRD, ...) must exist in a user's project.
set(RADHPC_ITK_COMPONENTS ${ITK_MODULES_REQUESTED})
list(JOIN RADHPC_ITK_COMPONENTS " " RADHPC_ITK_COMPONENTS)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/radhpcConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cmake/radhpcConfig.cmake
                              INSTALL_DESTINATION ${RADHPC_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/radhpcConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/radhpcConfig.cmake ${CMAKE_BINARY_DIR}/cmake/radhpcConfigVersion.cmake
        DESTINATION ${RADHPC_INSTALL_CMAKEDIR})

# --- share/radhpc: schemas, example jobs, SLURM templates -------------------------------------
install(DIRECTORY ${CMAKE_SOURCE_DIR}/schemas/ DESTINATION ${RADHPC_INSTALL_DATADIR}/schemas)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/jobs/ DESTINATION ${RADHPC_INSTALL_DATADIR}/jobs)
# The submit scripts find the .sbatch files beside themselves; copied as they are.
file(GLOB _radhpc_slurm_sh CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/slurm/*.sh)
install(PROGRAMS ${_radhpc_slurm_sh} DESTINATION ${RADHPC_INSTALL_DATADIR}/slurm)
# The .sbatch templates run ${RADHPC:-radhpc}; installed, their default becomes P/bin/radhpc
# (written at install time below), so they work from the prefix without a loaded module.
file(GLOB _radhpc_sbatch CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/slurm/*.sbatch)

# --- the Python package -----------------------------------------------------------------------
file(GLOB _radhpc_py CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/python/radhpc/*.py)
install(FILES ${_radhpc_py} DESTINATION ${RADHPC_INSTALL_PYTHONDIR}/radhpc)
# The extension module radhpc._core (python/CMakeLists.txt) may be defined after this file is
# included: decide at the end of the top-level directory.
function(_radhpc_install_python_module)
  if(TARGET radhpc_pymodule)
    install(TARGETS radhpc_pymodule LIBRARY DESTINATION ${RADHPC_INSTALL_PYTHONDIR}/radhpc)
  endif()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL _radhpc_install_python_module)

# --- written at install time: the SLURM templates and the modulefile, with the real prefix ------
install(CODE "
  set(RADHPC_VERSION \"${PROJECT_VERSION}\")
  set(RADHPC_SBATCH \"${_radhpc_sbatch}\")
  set(RADHPC_MODULEFILE_IN \"${CMAKE_CURRENT_LIST_DIR}/radhpc.modulefile.in\")
  set(RADHPC_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(RADHPC_DATADIR \"${RADHPC_INSTALL_DATADIR}\")
  set(RADHPC_MODULEDIR \"${CMAKE_INSTALL_DATADIR}/modulefiles/radhpc\")
  set(RADHPC_PYTHONDIR \"${RADHPC_INSTALL_PYTHONDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/RadhpcInstallTime.cmake\")
")
