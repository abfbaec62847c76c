# cmake/install.cmake - what `cmake --install` puts where.  Included by the
# top-level CMakeLists.txt after every target is defined.
#
#   lib/       libd4m.so (+ soname links), libd4m.a
#   include/   d4m.h, d4m/*.h
#   bin/       the tools (d4m-demo; d4m/tools/CMakeLists.txt installs d4m)
#   lib/pkgconfig/d4m.pc
#   lib/cmake/d4m/  d4mConfig.cmake, d4mConfigVersion.cmake, d4mTargets*.cmake
#                   (targets d4m::d4m, d4m::d4m_static, and d4m::GraphBLAS)
include(CMakePackageConfigHelpers)

set(D4M_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/d4m)

# ------------------------------------------- the static library's link interface
# target_link_libraries(d4m_static PRIVATE ...) records this machine's absolute
# paths (/usr/lib/.../libgraphblas.so.7.x.y, .../librocksdb.so, .../libm.so) and
# imported targets (OpenMP::OpenMP_C, Threads::Threads).  An installed package
# should name them instead.  One pass over that list makes three things:
#   - the installed interface of d4m::d4m_static: GraphBLAS becomes the target
#     d4m::GraphBLAS (defined by d4mConfig.cmake), other library files their
#     bare names (rocksdb, m); the build tree keeps the paths;
#   - D4M_FIND_DEPENDENCIES: the find_dependency() calls d4mConfig.cmake needs
#     for the imported targets;
#   - D4M_PC_LIBS_PRIVATE: the same libraries as pkg-config flags.
set(D4M_FIND_DEPENDENCIES "")
set(D4M_PC_LIBS_PRIVATE "")
set(_d4m_pc_libdirs "")
macro(_d4m_pc_lib file name)   # -lname, and -Ldir when not searched anyway
  get_filename_component(_d4m_dir "${file}" DIRECTORY)
  if(NOT _d4m_dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES
     AND NOT _d4m_dir IN_LIST _d4m_pc_libdirs)
    list(APPEND _d4m_pc_libdirs "${_d4m_dir}")
    string(APPEND D4M_PC_LIBS_PRIVATE " -L${_d4m_dir}")
  endif()
  string(APPEND D4M_PC_LIBS_PRIVATE " -l${name}")
endmacro()

get_target_property(_d4m_iface d4m_static INTERFACE_LINK_LIBRARIES)
if(NOT _d4m_iface)
  set(_d4m_iface "")
endif()
set(_d4m_new_iface "")
foreach(_d4m_item IN LISTS _d4m_iface)
  set(_d4m_lib "${_d4m_item}")
  if(_d4m_item MATCHES "^\\$<LINK_ONLY:(.*)>$")
    set(_d4m_lib "${CMAKE_MATCH_1}")
  endif()
  if(GRAPHBLAS_LIBRARY AND _d4m_lib STREQUAL GRAPHBLAS_LIBRARY)
    list(APPEND _d4m_new_iface "$<BUILD_INTERFACE:${_d4m_lib}>"
                               "$<INSTALL_INTERFACE:$<LINK_ONLY:d4m::GraphBLAS>>")
    _d4m_pc_lib("${_d4m_lib}" graphblas)
  elseif(IS_ABSOLUTE "${_d4m_lib}")
    get_filename_component(_d4m_file "${_d4m_lib}" NAME)
    if(_d4m_file MATCHES "^lib(.+)\\.(so|a)(\\..*)?$")
      set(_d4m_name "${CMAKE_MATCH_1}")
    else()
      message(FATAL_ERROR "install.cmake: cannot name the library ${_d4m_lib}")
    endif()
    list(APPEND _d4m_new_iface "$<BUILD_INTERFACE:${_d4m_lib}>"
                               "$<INSTALL_INTERFACE:${_d4m_name}>")
    _d4m_pc_lib("${_d4m_lib}" "${_d4m_name}")
  elseif(_d4m_lib STREQUAL "Threads::Threads")
    list(APPEND _d4m_new_iface "${_d4m_item}")
    string(APPEND D4M_FIND_DEPENDENCIES "find_dependency(Threads)\n")
    string(APPEND D4M_PC_LIBS_PRIVATE " -pthread")
  elseif(_d4m_lib STREQUAL "OpenMP::OpenMP_C")
    list(APPEND _d4m_new_iface "${_d4m_item}")
    string(APPEND D4M_FIND_DEPENDENCIES "find_dependency(OpenMP COMPONENTS C)\n")
    foreach(_d4m_name IN LISTS OpenMP_C_LIB_NAMES)
      if(NOT _d4m_name STREQUAL "pthread")   # -pthread comes with Threads
        string(APPEND D4M_PC_LIBS_PRIVATE " -l${_d4m_name}")
      endif()
    endforeach()
  elseif(_d4m_lib MATCHES "^MPI::MPI_C$")
    list(APPEND _d4m_new_iface "${_d4m_item}")
    string(APPEND D4M_FIND_DEPENDENCIES "find_dependency(MPI COMPONENTS C)\n")
    foreach(_d4m_name IN LISTS MPI_C_LIB_NAMES)
      string(APPEND D4M_PC_LIBS_PRIVATE " -l${_d4m_name}")
    endforeach()
  elseif(TARGET "${_d4m_lib}")
    message(FATAL_ERROR "install.cmake: d4m_static links ${_d4m_lib}; "
            "teach cmake/install.cmake how an installed d4m finds it")
  else()   # a bare library name such as m
    list(APPEND _d4m_new_iface "${_d4m_item}")
    string(APPEND D4M_PC_LIBS_PRIVATE " -l${_d4m_lib}")
  endif()
endforeach()
set_property(TARGET d4m_static PROPERTY INTERFACE_LINK_LIBRARIES "${_d4m_new_iface}")
string(STRIP "${D4M_PC_LIBS_PRIVATE}" D4M_PC_LIBS_PRIVATE)
if(NOT D4M_FIND_DEPENDENCIES MATCHES "Threads")
  string(APPEND D4M_FIND_DEPENDENCIES "find_dependency(Threads)\n")
endif()

# ------------------------------------------------------- libraries, headers, tools
install(TARGETS d4m d4m_static EXPORT d4mTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${PROJECT_SOURCE_DIR}/include/d4m.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/d4m/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/d4m
        FILES_MATCHING PATTERN "*.h")

# The tools of d4m/tools/ (the d4m command-line tool installs itself there).
if(TARGET d4m-demo)
  install(TARGETS d4m-demo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# ----------------------------------------------------------- CMake package
install(EXPORT d4mTargets NAMESPACE d4m:: FILE d4mTargets.cmake
        DESTINATION ${D4M_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/d4mConfig.cmake.in
  ${PROJECT_BINARY_DIR}/d4mConfig.cmake
  INSTALL_DESTINATION ${D4M_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the API, so only the same minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/d4mConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/d4mConfig.cmake
              ${PROJECT_BINARY_DIR}/d4mConfigVersion.cmake
        DESTINATION ${D4M_INSTALL_CMAKEDIR})

# ------------------------------------------------------------- pkg-config
# Libs.private (D4M_PC_LIBS_PRIVATE) is made above from the static library's
# link interface.  GraphBLAS ships no .pc file; its include directory is added
# only when the compiler would not search it anyway.
set(D4M_PC_CFLAGS_EXTRA "")
if(GRAPHBLAS_INCLUDE_DIR AND NOT GRAPHBLAS_INCLUDE_DIR IN_LIST CMAKE_C_IMPLICIT_INCLUDE_DIRECTORIES
   AND NOT GRAPHBLAS_INCLUDE_DIR STREQUAL "/usr/include")
  set(D4M_PC_CFLAGS_EXTRA " -I${GRAPHBLAS_INCLUDE_DIR}")
endif()

# The prefix is only known at install time (`cmake --install --prefix P`), so
# the file is written then: first everything else is filled in now, leaving
# @D4M_PC_PREFIX@, then the install step substitutes the real prefix.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(D4M_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(D4M_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(D4M_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(D4M_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(D4M_PC_PREFIX "@D4M_PC_PREFIX@")
configure_file(${PROJECT_SOURCE_DIR}/cmake/d4m.pc.in
               ${PROJECT_BINARY_DIR}/d4m.pc.stage @ONLY)
install(CODE "
  set(D4M_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/d4m.pc.stage\"
                 \"${PROJECT_BINARY_DIR}/d4m.pc\" @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/d4m.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
